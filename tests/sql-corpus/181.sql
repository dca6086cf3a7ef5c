SELECT count(x) FROM t1 WHERE y='null'
