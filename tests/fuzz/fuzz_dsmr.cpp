// libFuzzer target: DSMR P1 telegram parsing (decode_dsmr, looks_like_dsmr) on arbitrary
// text, directly and as the octet-string body of a data-notification. Only "input
// rejected" is a normal outcome; a reading must hold finite values and be bounded.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "cosem/decode.h"
#include "dlms/apdu.h"

namespace {

void check_reading(const sm::Result<sm::cosem::Reading>& reading, std::size_t input_size) {
  if (!reading) return;
  if (reading->registers.empty() || reading->registers.size() > input_size) std::abort();
  for (const auto& reg : reading->registers) {
    if (!std::isfinite(reg.value)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  const bool text_like = sm::cosem::looks_like_dsmr(input);

  const std::string telegram(input.begin(), input.end());
  check_reading(sm::cosem::decode_dsmr(telegram), size);

  if (text_like) {
    sm::dlms::DataNotification notification;
    notification.body.tag = sm::dlms::Tag::octet_string;
    notification.body.data = sm::dlms::Bytes(input.begin(), input.end());
    check_reading(sm::cosem::decode_notification(notification), size);
  }
  return 0;
}
