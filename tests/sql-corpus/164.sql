SELECT avg(x) FROM t1
