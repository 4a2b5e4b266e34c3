#pragma once
// roost addon COMMAND: the Home Assistant add-on's steps, called by its s6
// scripts (which hold no logic of their own):
//   init          options.json -> /etc/roost (see addon/init.hpp)
//   register      publish the mqtt service and discovery to the Supervisor
//   unregister    withdraw the mqtt service (if it is still ours)
//   backup-pre    copy the database for a Home Assistant backup
//   backup-post   remove that copy

namespace roost::app {

// `argv` starts after "addon". Returns the exit code.
int addon_main(int argc, char** argv);

}  // namespace roost::app
