REPLACE INTO t1 VALUES(4, 'replace (new)')
