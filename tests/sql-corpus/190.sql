SELECT max(x) FROM t1
