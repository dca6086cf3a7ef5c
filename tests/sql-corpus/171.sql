SELECT group_concat(y) FROM t1
