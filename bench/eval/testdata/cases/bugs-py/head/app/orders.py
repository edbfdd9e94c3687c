import sqlite3


def add_item(item, items=[]):
    items.append(item)
    return items


def average(values):
    return sum(values) / len(values) if values is not None else 0


def find_user(conn: sqlite3.Connection, email: str):
    cur = conn.execute(f"SELECT id FROM users WHERE email = '{email}'")
    return cur.fetchone()


def save(path, data):
    try:
        with open(path, "w") as f:
            f.write(data)
    except Exception:
        pass
