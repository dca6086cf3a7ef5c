SELECT avg(x) FROM t1 WHERE y='null'
