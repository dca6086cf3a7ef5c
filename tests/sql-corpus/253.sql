SELECT count(*) FROM t1 WHERE x=3
