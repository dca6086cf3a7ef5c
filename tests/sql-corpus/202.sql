SELECT total(x) FROM t1 WHERE y='null'
