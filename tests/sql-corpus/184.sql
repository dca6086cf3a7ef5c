SELECT count(DISTINCT x) FROM t1 WHERE y='false'
