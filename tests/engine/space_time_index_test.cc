// SpaceTimeIndex: a superset filter. Every item whose box truly meets the
// query's (closed intervals, touching caps) must come back; items far away in
// place, altitude or time must not; removal must leave nothing behind.
#include "jic/engine/space_time_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "jic/base/time_format.h"
#include "jic/geo/earth.h"
#include "s2/s2latlng.h"

namespace jic::engine {
namespace {

using Box = SpaceTimeIndex::Box;

S2Point P(double lat, double lng) { return S2LatLng::FromDegrees(lat, lng).ToPoint(); }

S2Cap CapM(const S2Point& center, double radius_m) {
  return S2Cap(center, geo::MetersToAngle(radius_m));
}
S2Cap CapM(double lat, double lng, double radius_m) { return CapM(P(lat, lng), radius_m); }

Time T(const char* rfc3339) {
  Result<Time> t = ParseRfc3339(rfc3339);
  EXPECT_TRUE(t.ok()) << rfc3339;
  return t.ok() ? *t : Time();
}

constexpr Duration Minutes(int64_t m) { return Duration::Seconds(60 * m); }
constexpr Duration Hours(int64_t h) { return Duration::Seconds(3600 * h); }
constexpr Duration Days(int64_t d) { return Duration::Seconds(86400 * d); }

// The point `dist_m` from `c` along the initial bearing `bearing` (radians,
// clockwise from north).
S2Point Dest(const S2Point& c, double bearing, double dist_m) {
  const S2LatLng ll(c);
  const double lat = ll.lat().radians(), lng = ll.lng().radians();
  const S2Point north(-std::sin(lat) * std::cos(lng), -std::sin(lat) * std::sin(lng),
                      std::cos(lat));
  const S2Point east(-std::sin(lng), std::cos(lng), 0);
  const S2Point dir = std::cos(bearing) * north + std::sin(bearing) * east;
  const double a = dist_m / geo::kEarthRadiusM;
  return (std::cos(a) * c + std::sin(a) * dir).Normalize();
}

std::vector<uint32_t> Query(const SpaceTimeIndex& index, const Box& q) {
  std::vector<uint32_t> out;
  index.Query(q, &out);
  EXPECT_TRUE(std::is_sorted(out.begin(), out.end()));
  EXPECT_EQ(std::adjacent_find(out.begin(), out.end()), out.end()) << "duplicates";
  return out;
}

bool Has(const std::vector<uint32_t>& v, uint32_t item) {
  return std::find(v.begin(), v.end(), item) != v.end();
}

const Time kT0 = T("2016-07-20T10:00:00Z");

Box Place(double lat, double lng, double radius_m) {
  return Box{CapM(lat, lng, radius_m), 0, 1000, kT0, kT0 + Hours(1)};
}

TEST(SpaceTimeIndexTest, EmptyIndexFindsNothing) {
  SpaceTimeIndex index;
  EXPECT_EQ(index.size(), 0u);
  EXPECT_TRUE(Query(index, Place(36.2, 37.1, 5000)).empty());
  EXPECT_TRUE(
      Query(index, Box{CapM(0, 0, 1000e3), -8000, 100000, Time::Min(), Time::Max()}).empty());
  EXPECT_LT(index.MemoryBytes(), 4096u);
}

TEST(SpaceTimeIndexTest, FindsWhatMeetsAndSkipsWhatIsFarInPlaceAltitudeOrTime) {
  SpaceTimeIndex index;
  index.Insert(7, Place(36.2, 37.1, 5000));
  EXPECT_EQ(index.size(), 1u);

  EXPECT_EQ(Query(index, Place(36.2, 37.1, 5000)), std::vector<uint32_t>{7});
  EXPECT_EQ(Query(index, Place(36.2, 37.1, 10)), std::vector<uint32_t>{7});     // inside
  EXPECT_EQ(Query(index, Place(36.2, 37.1, 500e3)), std::vector<uint32_t>{7});  // around it

  // 300 km away.
  EXPECT_TRUE(Query(index, Place(38.9, 37.1, 5000)).empty());
  // Kilometres above.
  Box above = Place(36.2, 37.1, 5000);
  above.alt_lo = 3000;
  above.alt_hi = 6000;
  EXPECT_TRUE(Query(index, above).empty());
  // The next day.
  Box later = Place(36.2, 37.1, 5000);
  later.t0 = kT0 + Days(1);
  later.t1 = kT0 + Days(1) + Hours(1);
  EXPECT_TRUE(Query(index, later).empty());
  // Hours before.
  Box earlier = Place(36.2, 37.1, 5000);
  earlier.t0 = kT0 - Hours(5);
  earlier.t1 = kT0 - Hours(3);
  EXPECT_TRUE(Query(index, earlier).empty());
}

TEST(SpaceTimeIndexTest, QueryAppendsAfterWhatIsAlreadyThere) {
  SpaceTimeIndex index;
  index.Insert(3, Place(10, 10, 1000));
  index.Insert(1, Place(10, 10, 2000));
  std::vector<uint32_t> out = {99, 42};
  index.Query(Place(10, 10, 100), &out);
  EXPECT_EQ(out, (std::vector<uint32_t>{99, 42, 1, 3}));
}

TEST(SpaceTimeIndexTest, AltitudeBandsAreClosed) {
  SpaceTimeIndex index;
  index.Insert(1, Box{CapM(36.2, 37.1, 3000), 500.25, 1000.75, kT0, kT0 + Hours(1)});
  auto band = [&](double lo, double hi) {
    Box q = Place(36.2, 37.1, 3000);
    q.alt_lo = lo;
    q.alt_hi = hi;
    return Query(index, q);
  };
  EXPECT_TRUE(Has(band(1000.75, 2000), 1)) << "touching from above";
  EXPECT_TRUE(Has(band(-100, 500.25), 1)) << "touching from below";
  EXPECT_TRUE(Has(band(600, 700), 1)) << "inside";
  EXPECT_TRUE(Has(band(0, 5000), 1)) << "around";
  EXPECT_TRUE(Has(band(800, 800), 1)) << "a single altitude";
  // Postings and queries keep altitudes in 4 m steps, both rounded
  // outwards: what is more than two steps away is dropped, what touches
  // never is.
  EXPECT_FALSE(Has(band(1009, 2000), 1));
  EXPECT_FALSE(Has(band(-100, 491), 1));
  EXPECT_TRUE(Has(band(1000.76, 2000), 1)) << "within the step above";
  EXPECT_TRUE(Has(band(-100, 500.24), 1)) << "within the step below";
}

TEST(SpaceTimeIndexTest, TimeWindowsAreClosed) {
  SpaceTimeIndex index;
  // Not on whole minutes, so that rounding is exercised.
  const Time s = kT0 + Duration::Micros(30'123'456);
  const Time e = kT0 + Hours(1) - Duration::Micros(29'000'001);
  index.Insert(1, Box{CapM(36.2, 37.1, 3000), 0, 1000, s, e});
  auto window = [&](Time t0, Time t1) {
    Box q = Place(36.2, 37.1, 3000);
    q.t0 = t0;
    q.t1 = t1;
    return Query(index, q);
  };
  EXPECT_TRUE(Has(window(e, e + Hours(1)), 1)) << "starting when it ends";
  EXPECT_TRUE(Has(window(s - Hours(1), s), 1)) << "ending when it starts";
  EXPECT_TRUE(Has(window(s, s), 1)) << "the instant it starts";
  EXPECT_TRUE(Has(window(e, e), 1)) << "the instant it ends";
  EXPECT_TRUE(Has(window(s + Minutes(10), s + Minutes(11)), 1)) << "inside";
  EXPECT_TRUE(Has(window(s - Days(1), e + Days(1)), 1)) << "around";
  EXPECT_FALSE(Has(window(e + Minutes(3), e + Hours(2)), 1));
  EXPECT_FALSE(Has(window(s - Hours(2), s - Minutes(3)), 1));
}

TEST(SpaceTimeIndexTest, WholeMinuteWindowsTouch) {
  // Ends on whole minutes round to themselves: touching must still count.
  SpaceTimeIndex index;
  index.Insert(1, Place(36.2, 37.1, 3000));  // 10:00-11:00
  auto window = [&](Time t0, Time t1) {
    Box q = Place(36.2, 37.1, 3000);
    q.t0 = t0;
    q.t1 = t1;
    return Query(index, q);
  };
  EXPECT_TRUE(Has(window(kT0 + Hours(1), kT0 + Hours(2)), 1));
  EXPECT_TRUE(Has(window(kT0 - Hours(1), kT0), 1));
  EXPECT_TRUE(Has(window(kT0 + Hours(1), kT0 + Hours(1)), 1));
  EXPECT_TRUE(Has(window(kT0, kT0), 1));
  // A one-minute item, touched at either end.
  index.Insert(2, Box{CapM(36.2, 37.1, 3000), 0, 1000, kT0 + Minutes(30), kT0 + Minutes(31)});
  EXPECT_TRUE(Has(window(kT0 + Minutes(31), kT0 + Minutes(40)), 2));
  EXPECT_TRUE(Has(window(kT0 + Minutes(20), kT0 + Minutes(30)), 2));
}

TEST(SpaceTimeIndexTest, TouchingCapsCount) {
  // Pairs of caps whose boundaries touch at one point, anywhere on Earth, at
  // every scale from 100 m to 300 km.
  std::mt19937_64 rng(20160720);
  std::uniform_real_distribution<double> u(0, 1);
  for (int i = 0; i < 2000; ++i) {
    const S2Point c =
        S2LatLng::FromRadians(std::asin(2 * u(rng) - 1), M_PI * (2 * u(rng) - 1)).ToPoint();
    const double ra = std::pow(10, 2 + 3.5 * u(rng));
    const double rb = std::pow(10, 2 + 3.5 * u(rng));
    const S2Point d = Dest(c, 2 * M_PI * u(rng), ra + rb);
    SpaceTimeIndex index(SpaceTimeIndex::Options{static_cast<int>(4 + i % 8)});
    index.Insert(1, Box{CapM(c, ra), 0, 1000, kT0, kT0 + Hours(1)});
    const Box q{CapM(d, rb), 0, 1000, kT0, kT0 + Hours(1)};
    EXPECT_TRUE(Has(Query(index, q), 1))
        << "i=" << i << " at " << S2LatLng(c) << " ra=" << ra << " rb=" << rb;
  }
}

TEST(SpaceTimeIndexTest, OpenEndedWindows) {
  SpaceTimeIndex index;
  const Time t = T("2016-07-21T18:00:00Z");
  index.Insert(1, Box{CapM(36.2, 37.1, 20e3), 0, 20000, Time::Min(), Time::Max()});  // always
  index.Insert(2, Box{CapM(36.2, 37.1, 20e3), 0, 20000, Time::Min(), t});            // until t
  index.Insert(3, Box{CapM(36.2, 37.1, 20e3), 0, 20000, t, Time::Max()});            // from t
  auto at = [&](Time t0, Time t1) {
    Box q = Place(36.2, 37.1, 1000);
    q.t0 = t0;
    q.t1 = t1;
    return Query(index, q);
  };
  EXPECT_EQ(at(T("1970-01-01T00:00:00Z"), T("1970-01-01T00:01:00Z")),
            (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(at(T("0001-01-01T00:00:00Z"), T("0001-01-01T01:00:00Z")),
            (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(at(t - Days(365), t - Days(364)), (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(at(t - Hours(1), t), (std::vector<uint32_t>{1, 2, 3})) << "touching t";
  EXPECT_EQ(at(t, t + Hours(1)), (std::vector<uint32_t>{1, 2, 3})) << "touching t";
  EXPECT_EQ(at(t + Days(1), t + Days(2)), (std::vector<uint32_t>{1, 3}));
  EXPECT_EQ(at(T("9999-12-31T00:00:00Z"), T("9999-12-31T23:59:59Z")),
            (std::vector<uint32_t>{1, 3}));
  EXPECT_EQ(at(Time::Min(), Time::Max()), (std::vector<uint32_t>{1, 2, 3}));

  // Open-ended queries against closed items.
  index.Insert(4, Box{CapM(36.2, 37.1, 20e3), 0, 20000, t + Days(10), t + Days(11)});
  EXPECT_TRUE(Has(at(Time::Min(), t + Days(10)), 4));
  EXPECT_FALSE(Has(at(Time::Min(), t + Days(9)), 4));
  EXPECT_TRUE(Has(at(t + Days(11), Time::Max()), 4));
  EXPECT_FALSE(Has(at(t + Days(12), Time::Max()), 4));
}

TEST(SpaceTimeIndexTest, DurationsFromAMinuteToYears) {
  SpaceTimeIndex index;
  const std::vector<Duration> durations = {Duration::Seconds(10),
                                           Minutes(1),
                                           Minutes(7),
                                           Hours(1),
                                           Hours(5),
                                           Days(1),
                                           Days(4),
                                           Days(17),
                                           Days(90),
                                           Days(365),
                                           Days(3 * 365),
                                           Days(40 * 365)};
  struct Item {
    uint32_t id;
    Time s, e;
  };
  std::vector<Item> items;
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> start_us(0, 365LL * 86400 * 1000000);
  const Time base = T("2016-01-01T00:00:00Z");
  uint32_t id = 0;
  // Several items of every duration, all in the same place, so that the
  // duration classes share cells.
  for (int round = 0; round < 5; ++round) {
    for (Duration d : durations) {
      const Time s = base + Duration::Micros(start_us(rng));
      items.push_back({id, s, s + d});
      index.Insert(id, Box{CapM(36.2, 37.1, 4000), 0, 1000, s, s + d});
      ++id;
    }
  }
  auto at = [&](Time t0, Time t1) {
    Box q = Place(36.2, 37.1, 1000);
    q.t0 = t0;
    q.t1 = t1;
    return Query(index, q);
  };
  for (const Item& it : items) {
    SCOPED_TRACE(testing::Message()
                 << "item " << it.id << " lasting " << (it.e - it.s).seconds() << " s");
    const Duration len = it.e - it.s;
    EXPECT_TRUE(Has(at(it.s, it.s), it.id)) << "its start";
    EXPECT_TRUE(Has(at(it.e, it.e), it.id)) << "its end";
    EXPECT_TRUE(Has(at(it.e, it.e + Hours(1)), it.id)) << "from its end";
    EXPECT_TRUE(Has(at(it.s - Hours(1), it.s), it.id)) << "until its start";
    const Time mid = it.s + Duration::Micros(len.micros() / 2);
    EXPECT_TRUE(Has(at(mid, mid + Duration::Seconds(1)), it.id)) << "its middle";
    EXPECT_TRUE(Has(at(it.e - Duration::Seconds(1), it.e - Duration::Seconds(1)), it.id))
        << "a second before its end";
    EXPECT_FALSE(Has(at(it.e + Minutes(3), it.e + Minutes(5)), it.id)) << "after";
    EXPECT_FALSE(Has(at(it.s - Minutes(5), it.s - Minutes(3)), it.id)) << "before";
  }
  // And every query returns each item whose window truly meets it.
  for (int i = 0; i < 300; ++i) {
    const Time q0 = base + Duration::Micros(start_us(rng));
    const Time q1 = q0 + Duration::Micros(std::uniform_int_distribution<int64_t>(
                             0, 30LL * 86400 * 1000000)(rng));
    const std::vector<uint32_t> got = at(q0, q1);
    for (const Item& it : items) {
      if (it.s <= q1 && q0 <= it.e) {
        EXPECT_TRUE(Has(got, it.id)) << "query " << i << " item " << it.id;
      }
      if (it.s > q1 + Minutes(2) || q0 > it.e + Minutes(2)) {
        EXPECT_FALSE(Has(got, it.id)) << "query " << i << " item " << it.id;
      }
    }
  }
}

// Items from 1 km to whole faces: each is found from anywhere inside it, at
// its edge, and not from the far side of the Earth.
TEST(SpaceTimeIndexTest, ItemsOfVeryDifferentSizes) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(0, 1);
  const std::vector<double> radii = {1e3, 3e3, 10e3, 50e3, 200e3, 1000e3, 3000e3, 7000e3};
  for (int finest : {10, 4, 16}) {
    SpaceTimeIndex index(SpaceTimeIndex::Options{finest});
    std::vector<S2Cap> caps;
    for (int k = 0; k < 40; ++k) {
      const S2Point c =
          k == 0   ? S2Point(1, 1, 1).Normalize()  // a cube vertex, where three faces meet
          : k == 1 ? P(0, 180)                     // the antimeridian
          : k == 2
              ? P(90, 0)  // a pole
              : S2LatLng::FromRadians(std::asin(2 * u(rng) - 1), M_PI * (2 * u(rng) - 1)).ToPoint();
      caps.push_back(CapM(c, radii[k % radii.size()]));
      index.Insert(static_cast<uint32_t>(k), Box{caps.back(), 0, 1000, kT0, kT0 + Hours(1)});
    }
    for (uint32_t k = 0; k < caps.size(); ++k) {
      const S2Cap& cap = caps[k];
      const double r = geo::AngleToMeters(cap.GetRadius());
      SCOPED_TRACE(testing::Message() << "finest " << finest << " item " << k << " radius " << r);
      for (int i = 0; i < 25; ++i) {
        // Inside, out to its very edge (i == 0: exactly at the edge).
        const double d = i == 0 ? r : r * std::sqrt(u(rng));
        const S2Point q = Dest(cap.center(), 2 * M_PI * u(rng), d);
        EXPECT_TRUE(Has(Query(index, Box{CapM(q, 50), 0, 1000, kT0, kT0 + Hours(1)}), k));
        EXPECT_TRUE(Has(Query(index, Box{S2Cap::FromPoint(q), 500, 500, kT0, kT0}), k));
      }
      if (r <= 1000e3) {
        const S2Point far = -cap.center();
        EXPECT_FALSE(Has(Query(index, Box{CapM(far, 1000), 0, 1000, kT0, kT0 + Hours(1)}), k));
      }
    }
    // A query as large as the item finds it. (Only with coarse cells: a
    // query enumerates the cells it covers at every level items are filed.)
    for (uint32_t k = 0; finest == 4 && k < caps.size(); ++k) {
      if (geo::AngleToMeters(caps[k].GetRadius()) < 1000e3) continue;
      EXPECT_TRUE(Has(Query(index, Box{caps[k], 0, 1000, kT0, kT0 + Hours(1)}), k));
    }
  }
}

// An item larger than a face, alone in the index (no other item shares its
// cells), is found from anywhere inside it.
TEST(SpaceTimeIndexTest, AWholeFaceItemAlone) {
  for (int finest : {0, 4, 10, 29}) {
    SpaceTimeIndex index(SpaceTimeIndex::Options{finest});
    const S2Cap big = CapM(P(20, 30), 7000e3);
    index.Insert(9, Box{big, 0, 1000, kT0, kT0 + Hours(1)});
    std::mt19937_64 rng(finest);
    std::uniform_real_distribution<double> u(0, 1);
    for (int i = 0; i < 200; ++i) {
      const S2Point q = Dest(big.center(), 2 * M_PI * u(rng), 7000e3 * std::sqrt(u(rng)));
      EXPECT_EQ(Query(index, Box{CapM(q, 100), 0, 1000, kT0, kT0 + Hours(1)}),
                std::vector<uint32_t>{9})
          << "finest " << finest << " at " << S2LatLng(q);
    }
    EXPECT_TRUE(index.Remove(9, Box{big, 0, 1000, kT0, kT0 + Hours(1)}));
    EXPECT_TRUE(Query(index, Box{CapM(big.center(), 100), 0, 1000, kT0, kT0 + Hours(1)}).empty());
  }
}

// Random boxes against brute force: every truly meeting item comes back.
TEST(SpaceTimeIndexTest, RandomBoxesAgainstBruteForce) {
  std::mt19937_64 rng(1234);
  std::uniform_real_distribution<double> u(0, 1);
  auto random_box = [&](const S2Point& around) {
    Box b;
    const S2Point c = Dest(around, 2 * M_PI * u(rng), 400e3 * u(rng));
    b.cap = CapM(c, std::pow(10, 2 + 3.5 * u(rng)));
    b.alt_lo = -500 + 12000 * u(rng);
    b.alt_hi = b.alt_lo + 3000 * u(rng);
    b.t0 = kT0 + Duration::Micros(static_cast<int64_t>(3 * 86400e6 * u(rng)));
    b.t1 = b.t0 + Duration::Micros(static_cast<int64_t>(std::pow(10, 7 + 4 * u(rng))));
    return b;
  };
  auto meets = [](const Box& a, const Box& b) {
    return a.cap.Intersects(b.cap) && a.alt_lo <= b.alt_hi && b.alt_lo <= a.alt_hi &&
           a.t0 <= b.t1 && b.t0 <= a.t1;
  };
  for (int world = 0; world < 6; ++world) {
    const S2Point around =
        world == 0 ? P(0, 180)
        : world == 1
            ? P(89.5, 30)
            : S2LatLng::FromRadians(std::asin(2 * u(rng) - 1), M_PI * (2 * u(rng) - 1)).ToPoint();
    SpaceTimeIndex index(SpaceTimeIndex::Options{6 + world});
    std::vector<Box> boxes;
    for (uint32_t i = 0; i < 600; ++i) {
      boxes.push_back(random_box(around));
      index.Insert(i, boxes.back());
    }
    for (int i = 0; i < 300; ++i) {
      const Box q = random_box(around);
      const std::vector<uint32_t> got = Query(index, q);
      for (uint32_t k = 0; k < boxes.size(); ++k) {
        if (meets(boxes[k], q)) {
          EXPECT_TRUE(Has(got, k)) << "world " << world << " query " << i;
        }
      }
    }
  }
}

// Each list keeps a directory of start times that every insertion and
// removal updates, and that is rebuilt as the list grows, shrinks or gets a
// start far outside it. Thousands of items in one place (so in the same few
// lists), filed and removed in the orders a center sees: later and later
// (the usual case), earlier and earlier, at random, bunched on one minute,
// and with starts decades away; after every few changes, every item that
// truly meets a query must come back.
TEST(SpaceTimeIndexTest, StartTimesFiledAndRemovedInAnyOrder) {
  auto meets = [](const Box& a, const Box& b) {
    return a.cap.Intersects(b.cap) && a.alt_lo <= b.alt_hi && b.alt_lo <= a.alt_hi &&
           a.t0 <= b.t1 && b.t0 <= a.t1;
  };
  const S2Point here = P(36.2, 37.1);
  for (int order = 0; order < 5; ++order) {
    SCOPED_TRACE("order " + std::to_string(order));
    std::mt19937_64 rng(700 + order);
    std::uniform_real_distribution<double> u(0, 1);
    const int n = 2500;
    std::vector<Box> boxes(n);
    for (int i = 0; i < n; ++i) {
      Box& b = boxes[i];
      b.cap = CapM(Dest(here, 2 * M_PI * u(rng), 2000 * u(rng)), 1000);
      b.alt_lo = 0;
      b.alt_hi = 1000;
      int64_t start_min = 0;
      switch (order) {
        case 0: start_min = i * 3; break;                                  // later and later
        case 1: start_min = (n - i) * 3; break;                            // earlier and earlier
        case 2: start_min = static_cast<int64_t>(u(rng) * 7 * 1440); break;  // at random
        case 3: start_min = i % 5 == 0 ? 600 : 600 + i % 37; break;        // bunched
        case 4:                                                            // decades away
          start_min = i % 211 == 0   ? 40LL * 365 * 1440
                      : i % 307 == 0 ? -30LL * 365 * 1440
                                     : static_cast<int64_t>(u(rng) * 3 * 1440);
          break;
      }
      b.t0 = kT0 + Minutes(start_min) + Duration::Seconds(static_cast<int64_t>(u(rng) * 59));
      b.t1 = b.t0 + Minutes(1 + static_cast<int64_t>(std::pow(300, u(rng))));
    }
    SpaceTimeIndex index;
    std::vector<bool> in(n, false);
    auto check = [&](int step) {
      for (int k = 0; k < 6; ++k) {
        // Windows on the items' own starts and ends, and around them.
        const Box& at = boxes[static_cast<size_t>(u(rng) * n)];
        Box q = Place(36.2, 37.1, 3000);
        q.t0 = (k % 2 ? at.t1 : at.t0) - Minutes(static_cast<int64_t>(u(rng) * 90));
        q.t1 = q.t0 + Minutes(static_cast<int64_t>(u(rng) * 120));
        const std::vector<uint32_t> got = Query(index, q);
        for (int i = 0; i < n; ++i) {
          if (in[i] && meets(boxes[i], q)) {
            ASSERT_TRUE(Has(got, static_cast<uint32_t>(i))) << "step " << step << " item " << i;
          } else if (!in[i]) {
            ASSERT_FALSE(Has(got, static_cast<uint32_t>(i))) << "step " << step << " removed " << i;
          }
        }
      }
    };
    int step = 0;
    for (int i = 0; i < n; ++i, ++step) {
      index.Insert(static_cast<uint32_t>(i), boxes[i]);
      in[i] = true;
      if (i % 61 == 0) check(step);
    }
    check(step);
    // Remove three items in four, in a random order, then file some again.
    std::vector<int> order_of(n);
    for (int i = 0; i < n; ++i) order_of[i] = i;
    std::shuffle(order_of.begin(), order_of.end(), rng);
    for (int k = 0; k < n * 3 / 4; ++k, ++step) {
      const int i = order_of[k];
      ASSERT_TRUE(index.Remove(static_cast<uint32_t>(i), boxes[i])) << i;
      in[i] = false;
      if (k % 53 == 0) check(step);
    }
    check(step);
    for (int k = 0; k < n / 2; k += 2, ++step) {
      const int i = order_of[k];
      index.Insert(static_cast<uint32_t>(i), boxes[i]);
      in[i] = true;
      if (k % 67 == 0) check(step);
    }
    check(step);
    EXPECT_EQ(index.size(), static_cast<size_t>(std::count(in.begin(), in.end(), true)));
  }
}

TEST(SpaceTimeIndexTest, RemovalRestoresTheEmptyState) {
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<double> u(0, 1);
  SpaceTimeIndex index;
  const size_t empty_bytes = index.MemoryBytes();
  std::vector<Box> boxes;
  for (uint32_t i = 0; i < 800; ++i) {
    Box b;
    b.cap = CapM(35 + u(rng), 37 + u(rng), std::pow(10, 2 + 4 * u(rng)));  // 100 m to 1000 km
    b.alt_lo = 10000 * u(rng);
    b.alt_hi = b.alt_lo + 1000 * u(rng);
    b.t0 = kT0 + Duration::Micros(static_cast<int64_t>(86400e6 * u(rng)));
    b.t1 = b.t0 + Duration::Micros(static_cast<int64_t>(std::pow(10, 7 + 5 * u(rng))));
    if (i % 97 == 0) b.t1 = Time::Max();
    if (i % 89 == 0) b.t0 = Time::Min();
    boxes.push_back(b);
    index.Insert(i, b);
  }
  EXPECT_EQ(index.size(), boxes.size());
  const size_t full_bytes = index.MemoryBytes();
  EXPECT_GT(full_bytes, empty_bytes);

  std::vector<uint32_t> order(boxes.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  for (size_t n = 0; n < order.size(); ++n) {
    const uint32_t i = order[n];
    ASSERT_TRUE(index.Remove(i, boxes[i])) << i;
    EXPECT_FALSE(index.Remove(i, boxes[i])) << "removed twice: " << i;
    EXPECT_EQ(index.size(), boxes.size() - n - 1);
    EXPECT_FALSE(Has(Query(index, boxes[i]), i));
  }
  EXPECT_EQ(index.size(), 0u);
  for (const Box& b : boxes) EXPECT_TRUE(Query(index, b).empty());
  EXPECT_LE(index.MemoryBytes(), full_bytes);

  // And it works as new.
  index.Insert(5, boxes[5]);
  EXPECT_EQ(Query(index, boxes[5]), std::vector<uint32_t>{5});
  EXPECT_EQ(index.size(), 1u);
}

TEST(SpaceTimeIndexTest, RemoveNeedsTheBoxTheItemWasFiledUnder) {
  SpaceTimeIndex index;
  const Box a = Place(36.2, 37.1, 2000);
  index.Insert(1, a);
  EXPECT_FALSE(index.Remove(2, a)) << "not filed";
  Box other_time = a;
  other_time.t0 = a.t0 + Hours(3);
  other_time.t1 = a.t1 + Hours(3);
  EXPECT_FALSE(index.Remove(1, other_time));
  EXPECT_FALSE(index.Remove(1, Place(-20, 100, 2000))) << "another place";
  EXPECT_EQ(index.size(), 1u);
  EXPECT_EQ(Query(index, a), std::vector<uint32_t>{1});
  EXPECT_TRUE(index.Remove(1, a));
  EXPECT_EQ(index.size(), 0u);
}

TEST(SpaceTimeIndexTest, RemovingOneOfTwoIdenticalBoxesKeepsTheOther) {
  SpaceTimeIndex index;
  const Box a = Place(36.2, 37.1, 2000);
  index.Insert(1, a);
  index.Insert(2, a);
  index.Insert(3, a);
  EXPECT_EQ(Query(index, a), (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_TRUE(index.Remove(2, a));
  EXPECT_EQ(Query(index, a), (std::vector<uint32_t>{1, 3}));
  EXPECT_TRUE(index.Remove(1, a));
  EXPECT_EQ(Query(index, a), (std::vector<uint32_t>{3}));
}

TEST(SpaceTimeIndexTest, MemoryBytesIsSane) {
  SpaceTimeIndex index;
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0, 1);
  constexpr size_t kItems = 20000;
  size_t last = index.MemoryBytes();
  for (uint32_t i = 0; i < kItems; ++i) {
    const Time s = kT0 + Duration::Micros(static_cast<int64_t>(3 * 86400e6 * u(rng)));
    index.Insert(i, Box{CapM(30 + 10 * u(rng), 30 + 10 * u(rng), 500 + 5000 * u(rng)), 0, 3000, s,
                        s + Minutes(10 + static_cast<int64_t>(300 * u(rng)))});
    if (i % 1000 == 999) {
      const size_t now = index.MemoryBytes();
      EXPECT_GE(now, last);
      last = now;
    }
  }
  const size_t bytes = index.MemoryBytes();
  // At least one posting (20 bytes or more) per item; at most four cells per
  // item, with generous room for the table and vector slack.
  EXPECT_GE(bytes, kItems * 20);
  EXPECT_LE(bytes, kItems * 4 * 200);
}

}  // namespace
}  // namespace jic::engine
