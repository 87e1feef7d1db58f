/* libsodium: scrypt (RFC 7914) for ConsentStore's PIN and password hashes (SecretHasher), and AES-256-GCM with a
   precomputed key for ConsentVault's DataKey. */
#include <sodium.h>
