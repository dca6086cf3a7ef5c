SELECT group_concat(x,':') FROM t1 NOT INDEXED
