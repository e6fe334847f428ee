// The ledger client's pieces that read C2SP tlog-tiles: tile index paths and
// entry bundles (docs/ledger.md, "Tiles"). The end-to-end mirror through
// tiles is tests/api/ledger_client_e2e_test.py.
#include "jic/audit/ledger_source.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace jic::audit {
namespace {

TEST(TileIndexPathTest, ThreeDigitElementsAllButTheLastAfterAnX) {
  EXPECT_EQ(TileIndexPath(0), "000");
  EXPECT_EQ(TileIndexPath(7), "007");
  EXPECT_EQ(TileIndexPath(999), "999");
  EXPECT_EQ(TileIndexPath(1000), "x001/000");
  EXPECT_EQ(TileIndexPath(1234067), "x001/x234/067");  // the spec's example
  EXPECT_EQ(TileIndexPath(18446744073709551615ull), "x018/x446/x744/x073/x709/x551/615");
}

std::string Bundle(const std::vector<std::string>& entries) {
  std::string out;
  for (const std::string& e : entries) {
    out.push_back(static_cast<char>(e.size() >> 8));
    out.push_back(static_cast<char>(e.size() & 0xff));
    out += e;
  }
  return out;
}

TEST(SplitEntryBundleTest, SplitsAndSkips) {
  const std::vector<std::string> entries = {"{\"a\":1}", "", std::string(300, 'x'), std::string(65535, 'y')};
  std::vector<std::string> out;
  ASSERT_TRUE(SplitEntryBundle(Bundle(entries), 4, 0, &out).ok());
  EXPECT_EQ(out, entries);
  out.clear();
  ASSERT_TRUE(SplitEntryBundle(Bundle(entries), 4, 2, &out).ok());
  EXPECT_EQ(out, (std::vector<std::string>{entries[2], entries[3]}));
}

TEST(SplitEntryBundleTest, RefusesACountOtherThanAsked) {
  std::vector<std::string> out;
  Status s = SplitEntryBundle(Bundle({"a", "b"}), 3, 0, &out);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("2 entries, expected 3"), std::string::npos) << s.ToString();
  EXPECT_FALSE(SplitEntryBundle(Bundle({"a", "b", "c"}), 2, 0, &out).ok());
}

TEST(SplitEntryBundleTest, RefusesACutBundle) {
  std::vector<std::string> out;
  std::string b = Bundle({"abc", "defgh"});
  Status cut_entry = SplitEntryBundle(b.substr(0, b.size() - 1), 2, 0, &out);
  EXPECT_FALSE(cut_entry.ok());
  EXPECT_NE(cut_entry.ToString().find("entry 1 is cut"), std::string::npos) << cut_entry.ToString();
  Status cut_length = SplitEntryBundle(b.substr(0, 6), 2, 0, &out);
  EXPECT_FALSE(cut_length.ok());
  EXPECT_NE(cut_length.ToString().find("cut in its length"), std::string::npos) << cut_length.ToString();
}

}  // namespace
}  // namespace jic::audit
