SELECT a,
       b
  FROM t1
 ORDER BY 1,2
