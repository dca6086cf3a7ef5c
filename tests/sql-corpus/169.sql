SELECT min(y) FROM t1
