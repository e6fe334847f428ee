// Center snapshots: the whole state in a compact binary form, so a restart
// reads one blob and the entries after it instead of the whole log.
//
// Layout: "JICSNAP3", then fields in a fixed order: unsigned varints,
// zigzag varints, IEEE doubles (8 bytes, little-endian), strings (varint
// length + bytes). Operations keep their geometry as S2 points (and circles
// as caps), exactly, so decisions after a restart are those of a replay.

#include <algorithm>
#include <cstring>

#include "center_state.h"
#include "jic/agreement/agreement_loader.h"

namespace jic::engine {

namespace {

constexpr std::string_view kMagic = "JICSNAP3";  // 2: alerts keep their key; 3: user keys

class Writer {
 public:
  void U(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void I(int64_t v) { U((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void D(double d) {
    char b[8];
    std::memcpy(b, &d, 8);
    out_.append(b, 8);
  }
  void S(std::string_view s) {
    U(s.size());
    out_.append(s);
  }
  void T(Time t) { I(t.unix_micros()); }
  void P(const S2Point& p) {
    D(p.x());
    D(p.y());
    D(p.z());
  }
  std::string& out() { return out_; }

 private:
  std::string out_;
};

struct Corrupt {};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  uint64_t U() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) throw Corrupt{};
      uint8_t b = static_cast<uint8_t>(in_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    throw Corrupt{};
  }
  int64_t I() {
    uint64_t u = U();
    return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }
  double D() {
    if (in_.size() - pos_ < 8) throw Corrupt{};
    double d;
    std::memcpy(&d, in_.data() + pos_, 8);
    pos_ += 8;
    return d;
  }
  std::string S() {
    uint64_t n = U();
    if (n > in_.size() - pos_) throw Corrupt{};
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  size_t Count() {
    uint64_t n = U();
    if (n > in_.size()) throw Corrupt{};  // every item takes at least a byte
    return static_cast<size_t>(n);
  }
  Time T() { return Time::FromUnixMicros(I()); }
  S2Point P() {
    double x = D(), y = D(), z = D();
    return S2Point(x, y, z);
  }
  bool done() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

void PutApprovals(Writer& w, const std::vector<Approval>& v) {
  w.U(v.size());
  for (const Approval& a : v) {
    w.S(a.party);
    w.S(a.user);
    w.U(a.approve);
    w.S(a.reason);
    w.T(a.at);
    w.U(a.seq);
  }
}

std::vector<Approval> GetApprovals(Reader& r) {
  std::vector<Approval> v(r.Count());
  for (Approval& a : v) {
    a.party = r.S();
    a.user = r.S();
    a.approve = r.U() != 0;
    a.reason = r.S();
    a.at = r.T();
    a.seq = r.U();
  }
  return v;
}

void PutStrings(Writer& w, const std::vector<std::string>& v) {
  w.U(v.size());
  for (const std::string& s : v) w.S(s);
}

std::vector<std::string> GetStrings(Reader& r) {
  std::vector<std::string> v(r.Count());
  for (std::string& s : v) s = r.S();
  return v;
}

}  // namespace

std::string Center::Snapshot() const {
  Writer w;
  w.out().append(kMagic);
  w.U(last_seq_);
  w.S(agreement_json_);
  w.I(agreement_version_);
  // Every collection in a fixed order, so that equal states give equal bytes.
  std::vector<const User*> users;
  for (const auto& [name, u] : users_) users.push_back(&u);
  std::sort(users.begin(), users.end(), [](const User* a, const User* b) { return a->name < b->name; });
  w.U(users.size());
  for (const User* up : users) {
    const User& u = *up;
    w.S(u.name);
    w.S(u.party);
    w.U(static_cast<uint64_t>(u.role));
    w.S(u.token_hash);
    w.U(u.seq);
    w.U(u.keys.size());
    for (const User::Key& k : u.keys) {
      w.S(k.key.Encode());
      w.U(k.seq);
    }
  }
  std::vector<const Operation*> ops;
  ops.reserve(store_.size());
  store_.ForEach([&](const Operation& op) { ops.push_back(&op); });
  std::sort(ops.begin(), ops.end(),
            [](const Operation* a, const Operation* b) { return a->id < b->id; });
  w.U(ops.size());
  for (const Operation* opp : ops) {
    const Operation& op = *opp;
    w.S(op.id);
    w.S(op.operator_party);
    w.S(op.submitted_by);
    w.S(op.category);
    w.U(static_cast<uint64_t>(op.state));
    w.I(op.version);
    w.U(op.aircraft.size());
    for (const Aircraft& a : op.aircraft) {
      w.S(a.callsign);
      w.S(a.icao24);
    }
    w.U(op.volumes.size());
    for (const Volume4D& v : op.volumes) {
      const geo::Outline& o = v.outline;
      if (o.is_circle()) {
        w.U(0);
        w.P(o.bound().center());
        w.D(o.bound().radius().length2());
      } else {
        w.U(o.ring().size());
        for (const S2Point& p : o.ring()) w.P(p);
      }
      w.D(v.alt_lower_m);
      w.D(v.alt_upper_m);
      w.T(v.start);
      w.T(v.end);
    }
    const OpMeta& m = st_->ops.at(op.id);
    w.T(m.received_at);
    w.S(m.created_by);
    w.U(m.created_seq);
    w.U(m.updated_seq);
    w.T(m.updated_at);
    w.S(m.decision_json);
    PutStrings(w, m.approvers);
    PutApprovals(w, m.approvals);
    PutStrings(w, m.notices);
  }
  w.U(st_->amendment_order.size());
  for (const std::string& id : st_->amendment_order) {
    const Amendment& a = st_->amendments.at(id);
    w.S(a.id);
    w.S(a.summary);
    w.S(a.proposed_by);
    w.S(a.party);
    w.T(a.proposed_at);
    w.U(a.seq);
    w.S(a.state);
    w.I(a.base_version);
    w.S(a.changes_json);
    w.S(a.agreement_json);
    PutApprovals(w, a.approvals);
    w.I(a.agreement_version);
    w.S(a.flagged_json);
  }
  w.U(st_->alert_order.size());
  for (const std::string& id : st_->alert_order) {
    const Alert& a = st_->alerts.at(id);
    w.S(a.id);
    w.S(a.key);
    w.S(a.type);
    w.S(a.state);
    PutStrings(w, a.parties);
    PutStrings(w, a.tracks);
    w.S(a.operation);
    w.S(a.area);
    w.U(a.predicted);
    w.S(a.detail_json);
    w.T(a.raised_at);
    w.T(a.updated_at);
    w.T(a.resolved_at);
    w.U(a.seq);
    w.U(a.acks.size());
    for (const Alert::Ack& k : a.acks) {
      w.S(k.user);
      w.S(k.party);
      w.S(k.note);
      w.T(k.at);
    }
  }
  w.U(st_->threads.size());
  for (const auto& [subject, comments] : st_->threads) {
    w.S(subject);
    w.U(comments.size());
    for (const Comment& c : comments) {
      w.S(c.id);
      w.S(c.user);
      w.S(c.party);
      w.S(c.text);
      w.T(c.at);
      w.U(c.seq);
    }
  }
  std::vector<const std::pair<const std::string, IdempotentReply>*> keys;
  for (const auto& kv : st_->idempotency) keys.push_back(&kv);
  std::sort(keys.begin(), keys.end(), [](auto* a, auto* b) { return a->first < b->first; });
  w.U(keys.size());
  for (const auto* kv : keys) {
    const auto& [key, r] = *kv;
    w.S(key);
    w.S(r.type);
    w.S(r.target);
    w.S(r.body_hash);
    w.U(static_cast<uint64_t>(r.reply.status));
    w.S(r.reply.body);
  }
  return std::move(w.out());
}

Status Center::LoadSnapshot(uint64_t seq, std::string_view bytes) {
  if (bytes.substr(0, kMagic.size()) != kMagic) return Status::Internal("not a jic snapshot");
  Center fresh;
  try {
    Reader r(bytes.substr(kMagic.size()));
    fresh.last_seq_ = r.U();
    if (fresh.last_seq_ != seq) {
      return Status::Internal(Cat("snapshot says it is after entry ", fresh.last_seq_,
                                           ", stored as after ", seq));
    }
    fresh.agreement_json_ = r.S();
    fresh.agreement_version_ = r.I();
    if (!fresh.agreement_json_.empty()) {
      auto parsed = agreement::ParseAgreement(fresh.agreement_json_);
      if (!parsed.ok()) return Status::Internal("snapshot's agreement does not load");
      fresh.rules_ = std::make_shared<const RuleBook>(std::move(parsed).value());
    }
    for (size_t n = r.Count(); n > 0; --n) {
      User u;
      u.name = r.S();
      u.party = r.S();
      u.role = static_cast<Role>(r.U());
      u.token_hash = r.S();
      u.seq = r.U();
      for (size_t nk = r.Count(); nk > 0; --nk) {
        Result<ledger::VerifierKey> k = ledger::VerifierKey::Parse(r.S());
        if (!k.ok()) return Status::Internal("snapshot's user key does not parse");
        fresh.key_to_user_[k->name] = u.name;
        u.keys.push_back(User::Key{std::move(k).value(), r.U()});
      }
      fresh.token_to_user_[u.token_hash] = u.name;
      fresh.users_[u.name] = std::move(u);
    }
    for (size_t n = r.Count(); n > 0; --n) {
      Operation op;
      op.id = r.S();
      op.operator_party = r.S();
      op.submitted_by = r.S();
      op.category = r.S();
      op.state = static_cast<OpState>(r.U());
      op.version = r.I();
      op.aircraft.resize(r.Count());
      for (Aircraft& a : op.aircraft) {
        a.callsign = r.S();
        a.icao24 = r.S();
      }
      op.volumes.resize(r.Count());
      for (Volume4D& v : op.volumes) {
        size_t k = r.Count();
        if (k == 0) {
          S2Point c = r.P();
          double l2 = r.D();
          v.outline = geo::Outline::CircleFromCap(S2Cap(c, S1ChordAngle::FromLength2(l2)));
        } else {
          std::vector<S2Point> ring(k);
          for (S2Point& p : ring) p = r.P();
          v.outline = geo::Outline::Polygon(std::move(ring));
        }
        v.alt_lower_m = r.D();
        v.alt_upper_m = r.D();
        v.start = r.T();
        v.end = r.T();
      }
      OpMeta m;
      m.received_at = r.T();
      m.created_by = r.S();
      m.created_seq = r.U();
      m.updated_seq = r.U();
      m.updated_at = r.T();
      m.decision_json = r.S();
      m.approvers = GetStrings(r);
      m.approvals = GetApprovals(r);
      m.notices = GetStrings(r);
      fresh.st_->ops[op.id] = std::move(m);
      fresh.IndexAircraft(op);
      fresh.store_.Put(std::move(op));
    }
    for (size_t n = r.Count(); n > 0; --n) {
      Amendment a;
      a.id = r.S();
      a.summary = r.S();
      a.proposed_by = r.S();
      a.party = r.S();
      a.proposed_at = r.T();
      a.seq = r.U();
      a.state = r.S();
      a.base_version = r.I();
      a.changes_json = r.S();
      a.agreement_json = r.S();
      a.approvals = GetApprovals(r);
      a.agreement_version = r.I();
      a.flagged_json = r.S();
      fresh.st_->amendment_order.push_back(a.id);
      fresh.st_->amendments[a.id] = std::move(a);
    }
    for (size_t n = r.Count(); n > 0; --n) {
      Alert a;
      a.id = r.S();
      a.key = r.S();
      a.type = r.S();
      a.state = r.S();
      a.parties = GetStrings(r);
      a.tracks = GetStrings(r);
      a.operation = r.S();
      a.area = r.S();
      a.predicted = r.U() != 0;
      a.detail_json = r.S();
      a.raised_at = r.T();
      a.updated_at = r.T();
      a.resolved_at = r.T();
      a.seq = r.U();
      a.acks.resize(r.Count());
      for (Alert::Ack& k : a.acks) {
        k.user = r.S();
        k.party = r.S();
        k.note = r.S();
        k.at = r.T();
      }
      fresh.st_->alert_order.push_back(a.id);
      if (!a.key.empty() && a.state != "resolved") fresh.open_alert_by_key_[a.key] = a.id;
      fresh.st_->alerts[a.id] = std::move(a);
    }
    for (size_t n = r.Count(); n > 0; --n) {
      std::string subject = r.S();
      std::vector<Comment> comments(r.Count());
      for (Comment& c : comments) {
        c.id = r.S();
        c.user = r.S();
        c.party = r.S();
        c.text = r.S();
        c.at = r.T();
        c.seq = r.U();
      }
      fresh.st_->threads[subject] = std::move(comments);
    }
    for (size_t n = r.Count(); n > 0; --n) {
      std::string key = r.S();
      IdempotentReply x;
      x.type = r.S();
      x.target = r.S();
      x.body_hash = r.S();
      x.reply.status = static_cast<int>(r.U());
      x.reply.body = r.S();
      fresh.st_->idempotency[key] = std::move(x);
    }
    if (!r.done()) return Status::Internal("snapshot has trailing bytes");
  } catch (const Corrupt&) {
    return Status::Internal("snapshot is truncated or corrupt");
  }
  rules_ = std::move(fresh.rules_);
  agreement_json_ = std::move(fresh.agreement_json_);
  agreement_version_ = fresh.agreement_version_;
  store_.Swap(fresh.store_);
  users_ = std::move(fresh.users_);
  key_to_user_ = std::move(fresh.key_to_user_);
  token_to_user_ = std::move(fresh.token_to_user_);
  open_alert_by_key_ = std::move(fresh.open_alert_by_key_);
  ops_by_aircraft_ = std::move(fresh.ops_by_aircraft_);
  st_ = std::move(fresh.st_);
  {
    std::lock_guard<std::mutex> lock(render_mu_);
    rendered_.clear();
  }
  fresh.st_ = std::make_unique<State>();
  last_seq_ = fresh.last_seq_;
  return Status::Ok();
}

}  // namespace jic::engine
