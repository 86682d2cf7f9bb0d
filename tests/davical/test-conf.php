<?php
// DAViCal's configuration for the tests (see router.php): the database of this server,
// named by tests/davical_server.py in the environment of `php -S`.
$c->pg_connect[] = 'host=' . getenv('DAVICAL_PGHOST') . ' port=' . getenv('DAVICAL_PGPORT')
    . ' dbname=davical user=davical_app';
$c->domain_name = '127.0.0.1';
$_SERVER['SERVER_NAME'] = '127.0.0.1';
$c->system_name = 'DAViCal';
$c->default_locale = 'en_US.UTF-8';
// Each php worker keeps its connection, as Apache's PHP can: a new one per request
// (a PostgreSQL process started for it) took half of DAViCal's time here.
$c->use_persistent = true;
