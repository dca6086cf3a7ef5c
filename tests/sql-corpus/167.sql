SELECT sum(y) FROM t1
