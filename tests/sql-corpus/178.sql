SELECT group_concat(DISTINCT y) FROM t1
