<?php
// Debian's sabre/dav (the engine of Nextcloud and Baikal) as a CalDAV server with Digest
// authentication, for the tests: `php -S 127.0.0.1:PORT server.php`, every request
// routed here. The SQLite database (users, principals, calendars) is made by
// tests/caldav_servers.py and named in SABRE_DB.

error_reporting(E_ALL & ~E_DEPRECATED & ~E_USER_DEPRECATED);
ini_set('display_errors', '0');
date_default_timezone_set('UTC');

require_once 'Sabre/autoload.php';

$pdo = new \PDO('sqlite:' . getenv('SABRE_DB'));
$pdo->setAttribute(\PDO::ATTR_ERRMODE, \PDO::ERRMODE_EXCEPTION);

$principals = new \Sabre\DAVACL\PrincipalBackend\PDO($pdo);
$calendars = new \Sabre\CalDAV\Backend\PDO($pdo);
$server = new \Sabre\DAV\Server(array(
    new \Sabre\CalDAV\Principal\Collection($principals),
    new \Sabre\CalDAV\CalendarRootNode($principals, $calendars),
));
$server->setBaseUri('/');
// Digest only: the realm is part of each user's stored hash (see caldav_servers.py).
$server->addPlugin(new \Sabre\DAV\Auth\Plugin(new \Sabre\DAV\Auth\Backend\PDO($pdo), 'SabreDAV'));
$server->addPlugin(new \Sabre\DAVACL\Plugin());
$server->addPlugin(new \Sabre\CalDAV\Plugin());
$server->exec();
