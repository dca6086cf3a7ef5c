#include "conductor/merge/group_combine.h"

namespace bd::merge {

bool GroupCombine::KeyLess::operator()(const Row& a, const Row& b) const {
  for (size_t i = 0; i < keys->size(); i++) {
    int c = compare(a[i], b[i], (*keys)[i].coll);
    if (c != 0) return c < 0;
  }
  return false;
}

GroupCombine::GroupCombine(RowSourcePtr input, GroupCombineSpec spec)
    : input_(std::move(input)), spec_(std::move(spec)), groups_(KeyLess{&spec_.keys}) {}

GroupCombine::Group GroupCombine::new_group(const Row& row) const {
  Group g;
  g.key.reserve(spec_.keys.size());
  for (const GroupKey& k : spec_.keys) g.key.push_back(row.empty() ? Value() : row[k.column]);
  g.accs.reserve(spec_.aggregates.size());
  for (const AggregateSpec& a : spec_.aggregates) g.accs.emplace_back(&a);
  return g;
}

void GroupCombine::add(Group& g, const Row& row) {
  for (Accumulator& a : g.accs) a.add(row);
}

Result<bool> GroupCombine::finish(const Group& g, Row* out) const {
  out->clear();
  out->reserve(g.key.size() + g.accs.size());
  for (const Value& v : g.key) out->push_back(v);
  for (const Accumulator& a : g.accs) {
    Result<Value> v = a.finish();
    if (!v.ok()) return v.error();
    out->push_back(std::move(*v));
  }
  if (spec_.having) return spec_.having(*out);
  return true;
}

Result<bool> GroupCombine::next(Row* row) { return spec_.sorted_input ? next_sorted(row) : next_buffered(row); }

Result<bool> GroupCombine::next_sorted(Row* out) {
  Row row;
  while (!done_) {
    Result<bool> more = input_->next(&row);
    if (!more.ok()) return more.error();
    if (!*more) {
      done_ = true;
      if (!has_cur_ && spec_.keys.empty()) {  // scalar aggregate over no rows
        cur_ = new_group(Row());
        has_cur_ = true;
      }
      if (!has_cur_) return false;
      has_cur_ = false;
      Result<bool> keep = finish(cur_, out);
      if (!keep.ok() || *keep) return keep;
      return false;
    }
    bool same_group = has_cur_;
    for (size_t i = 0; same_group && i < spec_.keys.size(); i++)
      same_group = compare(cur_.key[i], row[spec_.keys[i].column], spec_.keys[i].coll) == 0;
    if (same_group) {
      add(cur_, row);
      continue;
    }
    Group g = new_group(row);
    add(g, row);
    if (!has_cur_) {
      cur_ = std::move(g);
      has_cur_ = true;
      continue;
    }
    std::swap(cur_, g);  // g is now the finished group
    Result<bool> keep = finish(g, out);
    if (!keep.ok() || *keep) return keep;
  }
  return false;
}

Result<bool> GroupCombine::next_buffered(Row* out) {
  if (!loaded_) {
    loaded_ = true;
    Row row;
    for (;;) {
      Result<bool> more = input_->next(&row);
      if (!more.ok()) return more.error();
      if (!*more) break;
      Row key;
      key.reserve(spec_.keys.size());
      for (const GroupKey& k : spec_.keys) key.push_back(row[k.column]);
      auto it = groups_.find(key);
      if (it == groups_.end()) it = groups_.emplace(std::move(key), new_group(row)).first;
      add(it->second, row);
    }
    if (groups_.empty() && spec_.keys.empty()) {
      Group g = new_group(Row());
      groups_.emplace(g.key, std::move(g));
    }
    it_ = groups_.begin();
  }
  while (it_ != groups_.end()) {
    const Group& g = (it_++)->second;
    Result<bool> keep = finish(g, out);
    if (!keep.ok() || *keep) return keep;
  }
  return false;
}

}  // namespace bd::merge
