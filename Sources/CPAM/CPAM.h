/* The system's PAM library (libpam0g-dev on Debian and Ubuntu), as the SwiftPM system-library target CPAM:
   the package names it, with the package that provides it, so a build that lacks it says what to install. */
#include <security/pam_appl.h>
