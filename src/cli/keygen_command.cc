// jic keygen: a new Ed25519 key in Go's note format (docs/ledger.md): the
// private key to a file only its owner can read, the verifier key on stdout.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "cli/commands.h"
#include "jic/ledger/note.h"

namespace jic::cli {

int RunKeygen(const KeygenArgs& args) {
  bool valid = !args.name.empty();
  for (unsigned char c : args.name) valid = valid && c > 0x20 && c != '+' && c != 0x7f;
  if (!valid) {
    std::cerr << "--name: a key name is not empty and holds no '+' or space (e.g. us.jic.example/mirror)\n";
    return kExitBadInput;
  }
  const ledger::SignerKey key =
      ledger::SignerKey::Generate(args.name, args.cosigner ? ledger::kAlgCosignatureV1 : ledger::kAlgEd25519);
  const std::string secret = key.Encode() + "\n";
  // O_EXCL: never overwrite a key.
  const int fd = ::open(args.out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::cerr << "cannot create " << args.out << ": " << std::strerror(errno)
              << (errno == EEXIST ? " (a key is never overwritten)" : "") << "\n";
    return kExitFailure;
  }
  const bool ok = ::write(fd, secret.data(), secret.size()) == static_cast<ssize_t>(secret.size()) &&
                  ::fsync(fd) == 0;
  if (::close(fd) != 0 || !ok) {
    std::cerr << "cannot write " << args.out << "\n";
    return kExitFailure;
  }
  std::cout << key.verifier().Encode() << "\n";
  return kExitOk;
}

}  // namespace jic::cli
