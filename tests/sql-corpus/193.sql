SELECT max(x) FROM t1 WHERE y='null'
