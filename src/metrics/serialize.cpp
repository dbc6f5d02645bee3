#include <iterator>
#include <utility>

#include "metrics/collector.h"
#include "metrics/text_format.h"

namespace sm::metrics {

std::string serialize(const std::vector<const prometheus::Collectable*>& collectables) {
  std::vector<prometheus::MetricFamily> families;
  for (const prometheus::Collectable* collectable : collectables) {
    if (collectable == nullptr) continue;
    auto collected = collectable->Collect();
    families.insert(families.end(), std::make_move_iterator(collected.begin()),
                    std::make_move_iterator(collected.end()));
  }
  std::string text;
  text.reserve(8192);
  append_text_format(text, families);
  return text;
}

}  // namespace sm::metrics
