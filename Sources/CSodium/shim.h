/* libsodium, for scrypt (RFC 7914): ConsentStore's PIN and password hashes (SecretHasher). */
#include <sodium.h>
