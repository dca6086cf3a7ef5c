SELECT group_concat(DISTINCT x,':') FROM t1
