SELECT sum(x) FROM t1 WHERE y='null'
