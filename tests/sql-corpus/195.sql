SELECT min(x) FROM t1
