SELECT count(DISTINCT *) FROM t1 WHERE y='false'
