<?php
// Debian's DAViCal under `php -S 127.0.0.1:PORT router.php`, for the tests: every request
// goes to its caldav.php, as Apache's alias does. DAViCal reads
// /etc/davical/<SERVER_NAME>-conf.php first, so SERVER_NAME leads it from there to this
// server's own configuration (test-conf.php beside this file, which then sets the name
// back); the database is named in the environment by tests/davical_server.py.

$htdocs = '/usr/share/davical/htdocs';
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
if (strpos($path, '/caldav.php') === 0) {
    $path = substr($path, strlen('/caldav.php'));
}
$_SERVER['PATH_INFO'] = $path === '' ? '/' : $path;
$_SERVER['SCRIPT_NAME'] = '/caldav.php';
$_SERVER['SCRIPT_FILENAME'] = $htdocs . '/caldav.php';
$_SERVER['PHP_SELF'] = '/caldav.php' . $_SERVER['PATH_INFO'];
$_SERVER['SERVER_NAME'] = '../..' . __DIR__ . '/test';
chdir($htdocs);
require $htdocs . '/caldav.php';
