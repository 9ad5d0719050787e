# The login page.

login-title = Log in
login-tagline = Hospital security operations: cyber and physical, one picture.
login-user-name = User name
login-password = Password
login-submit = Log in
login-invalid = invalid username or password
login-locked = too many failed attempts; try again after { $time }
login-throttled = too many login attempts from this address; wait a minute
login-unavailable = SafeCare cannot log you in right now: { $reason }
