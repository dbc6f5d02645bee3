// `--config FILE`: the serving flags in a TOML (or INI) file, CLI11's format, with the
// flag names as dotted keys or sections:
//     [web]
//     listen-address = [":10369"]
//     [meter]
//     key-file = "/etc/smartmeter-exporter/meter.key"
//     stale-after = "30s"
// CLI11 2.1 maps sections to subcommands; this formatter flattens them to the dotted
// flag names instead. Unknown keys are an error.
#pragma once

#include <CLI/CLI.hpp>

namespace sm::app {

class DottedConfig : public CLI::ConfigTOML {
 public:
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override {
    auto parsed = CLI::ConfigTOML::from_config(input);
    std::vector<CLI::ConfigItem> out;
    out.reserve(parsed.size());
    for (auto& item : parsed) {
      if (item.name == "++" || item.name == "--") continue;  // section open/close markers
      std::string name;
      for (const auto& parent : item.parents) name += parent + ".";
      item.name = name + item.name;
      item.parents.clear();
      out.push_back(std::move(item));
    }
    return out;
  }
};

}  // namespace sm::app
