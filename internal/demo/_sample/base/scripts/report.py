def summarize(rows):
    return {"count": len(rows)}
