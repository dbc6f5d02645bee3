#include <iterator>
#include <utility>

#include <prometheus/text_serializer.h>

#include "metrics/collector.h"

namespace sm::metrics {

std::string serialize(const std::vector<const prometheus::Collectable*>& collectables) {
  std::vector<prometheus::MetricFamily> families;
  for (const prometheus::Collectable* collectable : collectables) {
    if (collectable == nullptr) continue;
    auto collected = collectable->Collect();
    families.insert(families.end(), std::make_move_iterator(collected.begin()),
                    std::make_move_iterator(collected.end()));
  }
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace sm::metrics
