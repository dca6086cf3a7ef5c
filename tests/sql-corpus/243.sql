INSERT OR REPLACE INTO t1 VALUES(2, 'insert or replace')
