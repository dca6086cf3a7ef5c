SELECT sum(x) FROM t1
