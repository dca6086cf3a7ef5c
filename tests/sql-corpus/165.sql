SELECT count(y) FROM t1
