// EventHub: bounded queues; a slow subscriber is dropped, never waited for.

#include "jic/api/event_hub.h"

#include <gtest/gtest.h>

namespace jic::api {
namespace {

std::vector<EventPtr> Events(uint64_t from, int n) {
  std::vector<EventPtr> out;
  for (int i = 0; i < n; ++i) {
    auto e = std::make_shared<Event>();
    e->seq = from + i;
    e->type = "t";
    out.push_back(e);
  }
  return out;
}

TEST(EventHubTest, DeliversInOrderAndWakesOncePerBatchOfWork) {
  EventHub hub(100);
  int wakes = 0;
  auto s = hub.Subscribe([&] { ++wakes; });
  hub.Publish(Events(1, 3));
  hub.Publish(Events(4, 2));
  EXPECT_EQ(wakes, 1) << "no second wake while the first is pending";
  std::vector<EventPtr> got;
  ASSERT_TRUE(s->Take(&got));
  ASSERT_EQ(got.size(), 5u);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i]->seq, i + 1);
  hub.Publish(Events(6, 1));
  EXPECT_EQ(wakes, 2);
}

TEST(EventHubTest, ASlowSubscriberIsDroppedAndOthersGoOn) {
  EventHub hub(10);
  auto slow = hub.Subscribe([] {});
  auto fast = hub.Subscribe([] {});
  for (int i = 0; i < 5; ++i) {
    hub.Publish(Events(1 + 3 * i, 3));
    std::vector<EventPtr> got;
    ASSERT_TRUE(fast->Take(&got));
    EXPECT_EQ(got.size(), 3u);
  }
  EXPECT_TRUE(slow->dropped());
  std::vector<EventPtr> got;
  EXPECT_FALSE(slow->Take(&got));
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(hub.dropped_total(), 1u);
  EXPECT_EQ(hub.published_total(), 15u);
}

TEST(EventHubTest, CloseAllEndsEveryStream) {
  EventHub hub(10);
  int wakes = 0;
  auto s = hub.Subscribe([&] { ++wakes; });
  hub.CloseAll();
  EXPECT_EQ(wakes, 1);
  std::vector<EventPtr> got;
  EXPECT_FALSE(s->Take(&got));
  EXPECT_EQ(hub.subscribers(), 0u);
}

}  // namespace
}  // namespace jic::api
