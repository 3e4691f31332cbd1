/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.bench.ycsb;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.Vector;
import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.DBException;
import site.ycsb.Status;

/**
 * A {@link DB} that times every operation of the one it wraps into {@link OpStats} (while they are
 * measuring). One per client thread, like the binding itself.
 */
final class MeasuredDb extends DB {
  private final DB db;
  private final OpStats stats;

  MeasuredDb(DB db, OpStats stats) {
    this.db = db;
    this.stats = stats;
  }

  @Override
  public void init() throws DBException {
    db.setProperties(getProperties());
    db.init();
  }

  @Override
  public void cleanup() throws DBException {
    db.cleanup();
  }

  @Override
  public Status read(String table, String key, Set<String> fields, Map<String, ByteIterator> r) {
    long start = System.nanoTime();
    return stats.record(OpStats.Op.READ, start, db.read(table, key, fields, r));
  }

  @Override
  public Status scan(
      String table,
      String startKey,
      int count,
      Set<String> fields,
      Vector<HashMap<String, ByteIterator>> result) {
    return db.scan(table, startKey, count, fields, result);
  }

  @Override
  public Status update(String table, String key, Map<String, ByteIterator> values) {
    long start = System.nanoTime();
    return stats.record(OpStats.Op.UPDATE, start, db.update(table, key, values));
  }

  @Override
  public Status insert(String table, String key, Map<String, ByteIterator> values) {
    long start = System.nanoTime();
    return stats.record(OpStats.Op.INSERT, start, db.insert(table, key, values));
  }

  @Override
  public Status delete(String table, String key) {
    long start = System.nanoTime();
    return stats.record(OpStats.Op.DELETE, start, db.delete(table, key));
  }
}
