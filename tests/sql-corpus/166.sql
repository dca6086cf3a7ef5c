SELECT avg(y) FROM t1
