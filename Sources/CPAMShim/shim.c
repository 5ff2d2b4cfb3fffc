#define _DEFAULT_SOURCE
#include "pam_shim.h"

#include <security/pam_appl.h>
#include <stdlib.h>
#include <string.h>

struct conversation {
    const char *password;
    char *message;
    size_t message_size;
};

static void keep_message(struct conversation *c, const char *text) {
    if (c->message_size == 0 || text == NULL) return;
    strncpy(c->message, text, c->message_size - 1);
    c->message[c->message_size - 1] = '\0';
}

static void drop_responses(struct pam_response *responses, int count) {
    for (int i = 0; i < count; i++) {
        if (responses[i].resp != NULL) {
            explicit_bzero(responses[i].resp, strlen(responses[i].resp));
            free(responses[i].resp);
        }
    }
    free(responses);
}

/* The PAM conversation: PAM frees the responses (and each resp string) when the call succeeds. */
static int converse(int count, const struct pam_message **messages, struct pam_response **out, void *data) {
    struct conversation *c = data;
    if (count <= 0 || count > PAM_MAX_NUM_MSG || out == NULL) return PAM_CONV_ERR;
    *out = NULL;
    struct pam_response *responses = calloc((size_t)count, sizeof *responses);
    if (responses == NULL) return PAM_BUF_ERR;
    for (int i = 0; i < count; i++) {
        const struct pam_message *m = messages[i];
        switch (m->msg_style) {
        case PAM_PROMPT_ECHO_OFF:
            responses[i].resp = strdup(c->password);
            if (responses[i].resp == NULL) {
                drop_responses(responses, count);
                return PAM_BUF_ERR;
            }
            break;
        case PAM_ERROR_MSG:
        case PAM_TEXT_INFO:
            keep_message(c, m->msg);
            break;
        case PAM_PROMPT_ECHO_ON:
        default:
            drop_responses(responses, count);
            return PAM_CONV_ERR;
        }
    }
    *out = responses;
    return PAM_SUCCESS;
}

static int classify(int status, int stage) {
    switch (status) {
    case PAM_SUCCESS: return RD_PAM_ACCEPTED;
    case PAM_AUTH_ERR:
    case PAM_USER_UNKNOWN:
    case PAM_CRED_INSUFFICIENT:
    case PAM_MAXTRIES:
        return RD_PAM_REJECTED;
    case PAM_ACCT_EXPIRED:
    case PAM_NEW_AUTHTOK_REQD:
    case PAM_PERM_DENIED:
        return stage == 2 ? RD_PAM_ACCOUNT_REFUSED : RD_PAM_REJECTED;
    default:
        return RD_PAM_UNAVAILABLE;
    }
}

int rd_pam_check(const char *service, const char *config_dir, const char *user, char *password,
                 size_t password_length, char *message, size_t message_size, int *pam_status) {
    if (message_size > 0) message[0] = '\0';
    struct conversation c = {password, message, message_size};
    struct pam_conv conv = {converse, &c};
    pam_handle_t *handle = NULL;
    int status = config_dir != NULL ? pam_start_confdir(service, user, &conv, config_dir, &handle)
                                    : pam_start(service, user, &conv, &handle);
    int stage = 0;
    if (status == PAM_SUCCESS) {
        stage = 1;
        status = pam_authenticate(handle, PAM_DISALLOW_NULL_AUTHTOK);
        if (status == PAM_SUCCESS) {
            stage = 2;
            status = pam_acct_mgmt(handle, PAM_DISALLOW_NULL_AUTHTOK);
        }
    }
    if (message_size > 0 && message[0] == '\0') keep_message(&c, pam_strerror(handle, status));
    if (handle != NULL) pam_end(handle, status);
    explicit_bzero(password, password_length);
    *pam_status = status;
    return stage == 0 ? RD_PAM_UNAVAILABLE : classify(status, stage);
}
