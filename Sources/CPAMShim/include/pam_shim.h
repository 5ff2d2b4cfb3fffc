#ifndef RELEASEDESK_PAM_SHIM_H
#define RELEASEDESK_PAM_SHIM_H

#include <stddef.h>

/* What a PAM check found. */
enum {
    RD_PAM_ACCEPTED = 0,         /* authenticated, and the account may be used now */
    RD_PAM_REJECTED = 1,         /* wrong password or unknown user */
    RD_PAM_ACCOUNT_REFUSED = 2,  /* password right, but the account is expired, or its password must be changed */
    RD_PAM_UNAVAILABLE = 3       /* the check could not be made: no service, module missing, system error */
};

/*
 * Runs pam_authenticate and then pam_acct_mgmt for `user` under the PAM service `service`.
 *
 * `config_dir` is the directory of service files (pam_start_confdir); NULL means the system's.
 * The conversation answers prompts with echo off with `password` and refuses prompts with echo on (nobody is
 * there to answer them). The last error or information message PAM sent, or else pam_strerror of the
 * result, is copied into `message` (NUL-terminated, cut to `message_size`).
 *
 * `password` (`password_length` bytes, then a NUL) is overwritten with zeros before the function returns.
 * `pam_status` receives the PAM status of the last call. Returns one of RD_PAM_*.
 */
int rd_pam_check(const char *service, const char *config_dir, const char *user, char *password,
                 size_t password_length, char *message, size_t message_size, int *pam_status);

#endif
