SELECT max(y) FROM t1
