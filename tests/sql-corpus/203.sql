SELECT total(DISTINCT x) FROM t1 WHERE y='null'
