INSERT OR REPLACE INTO t1 VALUES(3, 'insert or replace (new)')
