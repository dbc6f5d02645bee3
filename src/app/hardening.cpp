#include "app/hardening.h"

#include <csignal>
#include <cstring>
#include <string>
#include <sys/prctl.h>

#include "crypto/secret.h"

namespace sm::app {

void forbid_core_dumps() {
  allow_core_dumps(false);
}

void allow_core_dumps(bool allowed) {
  (void)::prctl(PR_SET_DUMPABLE, allowed ? 1 : 0, 0, 0, 0);
}

bool core_dumps_allowed() {
  return ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1;
}

void ignore_user_signals() {
  std::signal(SIGUSR1, SIG_IGN);
  std::signal(SIGUSR2, SIG_IGN);
}

namespace {

void wipe(char* text) {
  std::memset(text, 'x', std::strlen(text));
}

}  // namespace

void wipe_secret_arguments(int argc, char** argv, CLI::App& app,
                           std::span<const std::string_view> flags) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    for (const auto flag : flags) {
      if (arg == flag && i + 1 < argc) {
        wipe(argv[i + 1]);
      } else if (arg.size() > flag.size() && arg.starts_with(flag) && arg[flag.size()] == '=') {
        wipe(argv[i] + flag.size() + 1);
      }
    }
  }
  // CLI11 keeps the parsed strings in each option (and its subcommands' options).
  std::vector<CLI::App*> apps{&app};
  for (std::size_t a = 0; a < apps.size(); ++a) {
    for (auto* sub : apps[a]->get_subcommands(std::function<bool(CLI::App*)>{}))
      apps.push_back(sub);
    for (const auto flag : flags) {
      auto* option = apps[a]->get_option_no_throw(std::string(flag));
      if (option == nullptr) continue;
      // results() is const: the strings are CLI11's own, overwritten in place and left empty.
      for (auto& text : const_cast<CLI::results_t&>(option->results())) crypto::scrub(text);
    }
  }
}

}  // namespace sm::app
