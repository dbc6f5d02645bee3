// The real meter vectors (tests/data/vectors, see shared/vectors/README.md): the
// security layer must reproduce every published plaintext exactly, and every plaintext
// must decode as one complete data-notification.
#include <map>

#include <gtest/gtest.h>

#include "dlms/apdu.h"
#include "dlms/axdr.h"
#include "dlms/security.h"
#include "dlms_test_util.h"

namespace sm::dlms {
namespace {

using test::Bytes;
using test::H;

constexpr const char* kCorrupt = "AT-KLU-LGZ-E450-ZEROKEY-CORRUPT";

// Vectors with a ciphered APDU, its published plaintext and a key.
std::vector<std::string> cipher_vector_ids() {
  std::vector<std::string> out;
  for (const auto& id : test::vector_ids()) {
    if (id == kCorrupt) continue;  // negative vector: CorruptE450FailsTheTag
    if (test::json_hex(id, "encrypted_apdu_hex") && test::hex_file(id, "plaintext.hex") &&
        test::hex_file(id, "key.hex")) {
      out.push_back(id);
    }
  }
  return out;
}

std::vector<std::string> plaintext_vector_ids() {
  std::vector<std::string> out;
  for (const auto& id : test::vector_ids()) {
    if (test::hex_file(id, "plaintext.hex")) out.push_back(id);
  }
  return out;
}

std::string param_name(const ::testing::TestParamInfo<std::string>& param_info) {
  return test::test_name(param_info.param);
}

class CipheredVector : public ::testing::TestWithParam<std::string> {};
class PlaintextVector : public ::testing::TestWithParam<std::string> {};

TEST_P(CipheredVector, UnprotectReproducesThePublishedPlaintext) {
  const std::string id = GetParam();
  auto apdu = test::json_hex(id, "encrypted_apdu_hex");
  auto plaintext = test::hex_file(id, "plaintext.hex");
  auto ek = test::hex_file(id, "key.hex");
  ASSERT_TRUE(apdu && plaintext && ek);
  const Keys keys = test::vector_keys(id);

  Annotations notes;
  auto u = unprotect(*apdu, keys, &notes);
  ASSERT_TRUE(u) << u.error().describe();
  EXPECT_EQ(to_hex(u->plaintext), to_hex(*plaintext));
  ASSERT_TRUE(u->security);
  const bool tagged = (u->security->control & 0x10) != 0;
  EXPECT_EQ(u->tag_verified, tagged && keys.authentication.has_value());
  EXPECT_FALSE(notes.empty());

  // Without the AK a tagged vector still decrypts, unverified.
  if (tagged) {
    auto unverified = unprotect(*apdu, Keys{keys.encryption, std::nullopt});
    ASSERT_TRUE(unverified) << unverified.error().describe();
    EXPECT_FALSE(unverified->tag_verified);
    EXPECT_EQ(unverified->plaintext, *plaintext);
  }
  // Without the EK an encrypted vector is a key error.
  if ((u->security->control & 0x20) != 0) {
    auto no_ek = unprotect(*apdu, Keys{std::nullopt, keys.authentication});
    ASSERT_FALSE(no_ek);
    EXPECT_EQ(no_ek.error().code, ErrorCode::key);
  }
}

TEST_P(PlaintextVector, DecodesAsOneDataNotification) {
  const std::string id = GetParam();
  auto plaintext = test::hex_file(id, "plaintext.hex");
  ASSERT_TRUE(plaintext);
  // Vectors whose plaintext is not a data-notification, and what they must give.
  const std::map<std::string, ErrorCode> not_notifications = {
      {"XX-EICT-G3-EVENT-SC10", ErrorCode::unsupported},   // C2 event-notification-request
      {"LU-SAGEMCOM-SMARTY-NEXXTLAB", ErrorCode::decode},  // DSMR P1 text ('/'), not xDLMS
      {kCorrupt, ErrorCode::decode},                       // garbage after byte 107
      // Items named by untagged attribute descriptors: no A-XDR body (descriptor_items.h
      // reads them; DescriptorItems.* below).
      {"CZ-CEZ-SMS-XT211-RAW", ErrorCode::decode},
      {"CZ-EGD-DOC-EXAMPLE", ErrorCode::decode},
  };
  Annotations notes;
  auto n = decode_data_notification(*plaintext, {}, &notes);
  if (auto it = not_notifications.find(id); it != not_notifications.end()) {
    ASSERT_FALSE(n);
    EXPECT_EQ(n.error().code, it->second) << n.error().describe();
    return;
  }
  ASSERT_TRUE(n) << n.error().describe();  // success implies every byte was consumed
  EXPECT_TRUE(n->body.is_container());
  // The annotations cover the whole plaintext, each byte once.
  std::vector<int> covered(plaintext->size(), 0);
  for (const auto& a : notes) {
    for (std::size_t i = a.offset; i < a.offset + a.length && i < covered.size(); ++i) ++covered[i];
  }
  for (std::size_t i = 0; i < covered.size(); ++i) {
    ASSERT_EQ(covered[i], 1) << "plaintext byte " << i;
  }
  // The length walk agrees with the decoder on the body.
  const std::size_t body_at = n->body.offset;
  auto len = encoded_length(std::span(*plaintext).subspan(body_at));
  ASSERT_TRUE(len) << len.error().describe();
  EXPECT_EQ(body_at + *len, plaintext->size());
}

INSTANTIATE_TEST_SUITE_P(Vectors, CipheredVector, ::testing::ValuesIn(cipher_vector_ids()),
                         param_name);
INSTANTIATE_TEST_SUITE_P(Vectors, PlaintextVector, ::testing::ValuesIn(plaintext_vector_ids()),
                         param_name);

TEST(Vectors, AllArePresent) {
  EXPECT_GE(test::vector_ids().size(), 22u);
  EXPECT_EQ(cipher_vector_ids().size(), 11u);  // every decryptable vector is exercised
  // 18 + the constructed bare LLC PDU + 6 SI-* + XX-KAM + two Czech pushes + CH-LGZ-E450
  EXPECT_EQ(plaintext_vector_ids().size(), 29u);
}

TEST(Vectors, CorruptE450FailsTheTag) {
  auto apdu = test::json_hex(kCorrupt, "encrypted_apdu_hex");
  ASSERT_TRUE(apdu);
  const Keys keys = test::vector_keys(kCorrupt);
  // As published: 4 bytes more than the declared 0x1C5. The declared unit is checked
  // first, and its tag fails.
  auto u = unprotect(*apdu, keys);
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().code, ErrorCode::auth) << u.error().describe();
  // Cut to the declared length (DB 08 ST 82 01C5 = 13 header bytes + 0x1C5): still auth.
  const std::size_t declared = 13 + 0x1C5;
  ASSERT_EQ(apdu->size(), declared + 4);
  Bytes prefix(apdu->begin(), apdu->begin() + static_cast<std::ptrdiff_t>(declared));
  auto p = unprotect(prefix, keys);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::auth) << p.error().describe();
}

TEST(Vectors, FlippedCiphertextBitOnTaggedVectorsGivesAuth) {
  for (const char* id : {"DK-KAM-OMNIPOWER-TESTKEYS", "LU-SAGEMCOM-SMARTY-NEXXTLAB",
                         "XX-LGZ-E450-GBT-1", "XX-EICT-G3-EVENT-SC10"}) {
    auto apdu = test::json_hex(id, "encrypted_apdu_hex");
    ASSERT_TRUE(apdu) << id;
    auto bad = *apdu;
    bad[bad.size() / 2] ^= 0x04;
    auto u = unprotect(bad, test::vector_keys(id));
    ASSERT_FALSE(u) << id;
    EXPECT_EQ(u.error().code, ErrorCode::auth) << id;
  }
}

TEST(Vectors, IncompleteGbtBlockIsIncomplete) {
  const std::string id = "AT-LGZ-E450-RDDL-GBT-BLOCK1";
  auto apdu = test::json_hex(id, "encrypted_apdu_hex");
  ASSERT_TRUE(apdu);
  auto u = unprotect(*apdu, test::vector_keys(id));
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().code, ErrorCode::incomplete) << u.error().describe();
}

TEST(Vectors, AuthenticationOnlyInsideTheUdpWrapper) {
  const std::string id = "XX-EICT-G3-EVENT-SC10";
  auto input = test::hex_file(id, "input.hex");
  auto plaintext = test::hex_file(id, "plaintext.hex");
  ASSERT_TRUE(input && plaintext);
  ASSERT_GT(input->size(), 8u);
  const Bytes apdu(input->begin() + 8, input->end());  // 0001 0001 0001 LLLL wrapper
  auto u = unprotect(apdu, test::vector_keys(id));
  ASSERT_TRUE(u) << u.error().describe();
  EXPECT_EQ(u->security->control, 0x10);
  EXPECT_TRUE(u->tag_verified);
  EXPECT_EQ(u->plaintext, *plaintext);
  auto n = decode_data_notification(u->plaintext);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, ErrorCode::unsupported);
  EXPECT_NE(n.error().message.find("event-notification"), std::string::npos) << n.error().message;
}

TEST(Vectors, DlmsUdpDatagrams) {
  const std::string id = "XX-DLMSUDP-MYDUMMYKEY";
  const auto datagrams = test::hex_lines(id, "input.hex");
  auto json = test::read_text(test::vectors_dir() / id / "vector.json");
  ASSERT_TRUE(json);
  const auto expected = test::json_strings(*json, "plaintext");
  ASSERT_EQ(datagrams.size(), 2u);
  ASSERT_EQ(expected.size(), datagrams.size());
  const Keys keys = test::vector_keys(id);
  for (std::size_t i = 0; i < datagrams.size(); ++i) {
    ASSERT_GT(datagrams[i].size(), 8u);
    const Bytes apdu(datagrams[i].begin() + 8, datagrams[i].end());
    auto u = unprotect(apdu, keys);
    ASSERT_TRUE(u) << i << ": " << u.error().describe();
    EXPECT_TRUE(u->tag_verified);
    EXPECT_EQ(u->security->control, 0x30);
    EXPECT_EQ(to_hex_lower(u->plaintext), expected[i]);
    auto n = decode_data_notification(u->plaintext);
    ASSERT_TRUE(n) << n.error().describe();
    EXPECT_FALSE(n->date_time);
    EXPECT_EQ(n->body.tag, Tag::octet_string);
  }
}

TEST(Vectors, WrongKeyDecryptsToSomethingThatIsNotANotification) {
  // T210D-2 was sent after the meter's key changed; T210D-1's key "decrypts" it (no tag
  // to say otherwise), but the result is not a data-notification.
  auto apdu = test::json_hex("AT-EVN-SAGEMCOM-T210D-2-NOKEY", "encrypted_apdu_hex");
  ASSERT_TRUE(apdu);
  auto u = unprotect(*apdu, test::vector_keys("AT-EVN-SAGEMCOM-T210D-1"));
  ASSERT_TRUE(u) << u.error().describe();
  EXPECT_FALSE(u->tag_verified);
  auto n = decode_data_notification(u->plaintext);
  ASSERT_FALSE(n);
}

TEST(Vectors, HeaderDateTimes) {
  auto tinetz = test::hex_file("AT-TINETZ-KFM-DOC-EXAMPLE", "plaintext.hex");
  ASSERT_TRUE(tinetz);
  auto n = decode_data_notification(*tinetz);
  ASSERT_TRUE(n);
  ASSERT_TRUE(n->date_time);
  EXPECT_EQ(n->date_time->iso8601(), "2021-07-19T15:46:35+02:00");
  EXPECT_EQ(n->date_time->unix_seconds(), 1626702395);
  EXPECT_EQ(n->body.children()->size(), 12u);

  auto kaifa_no = test::hex_file("NO-KFM-MA304H3E-CNRD", "plaintext.hex");
  ASSERT_TRUE(kaifa_no);
  auto k = decode_data_notification(*kaifa_no);
  ASSERT_TRUE(k) << k.error().describe();
  ASSERT_TRUE(k->date_time);  // 09 0C quirk
  EXPECT_EQ(k->date_time->year, 2017);
  EXPECT_EQ(k->long_invoke_id_and_priority, 0x40000000u);

  auto aidon = test::hex_file("NO-AIDON-1PH", "plaintext.hex");
  ASSERT_TRUE(aidon);
  auto a = decode_data_notification(*aidon);
  ASSERT_TRUE(a) << a.error().describe();
  EXPECT_FALSE(a->date_time);  // 00 = absent
  EXPECT_EQ(a->body.tag, Tag::array);

  auto evn = test::hex_file("AT-EVN-KFM-SPEC-EXAMPLE", "plaintext.hex");
  ASSERT_TRUE(evn);
  auto e = decode_data_notification(*evn);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->long_invoke_id_and_priority, 0x8006870Eu);
  EXPECT_EQ(e->body.children()->size(), 35u);
  EXPECT_EQ(e->date_time->iso8601(), "2021-09-27T09:47:15+02:00");
}

}  // namespace
}  // namespace sm::dlms
