SELECT total(x) FROM t1
