def summarize(rows):
<<<<<<< HEAD
    return {"count": len(rows)}
=======
    return {"count": len(rows), "empty": not rows}
>>>>>>> feature/report
