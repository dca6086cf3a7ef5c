SELECT count(*) FROM t1 WHERE y='unknown'
