SELECT total(y) FROM t1
