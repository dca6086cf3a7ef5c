SELECT min(x) FROM t1 WHERE y='null'
